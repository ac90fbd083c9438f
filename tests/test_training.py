import math
import subprocess
import sys
import textwrap

import pytest
import torch

from symrep.training import EarlyStopping, MeanPlateauStopping, TrainingDivergedError, fit

TOY = textwrap.dedent("""
    import os, sys, torch
    from symrep.runtime import seed_everything
    from symrep.training import EarlyStopping, fit

    class Toy:
        def __init__(self):
            self.model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Dropout(0.3), torch.nn.Linear(16, 1))
            self.optimizer = torch.optim.Adam(self.model.parameters(), lr=0.01)
            self.scheduler = torch.optim.lr_scheduler.StepLR(self.optimizer, 1, gamma=0.9)
            g = torch.Generator().manual_seed(123)
            self.x, self.y = torch.randn(64, 8, generator=g), torch.randn(64, 1, generator=g)

        def train_epoch(self, epoch, rng):
            total = 0.0
            for idx in torch.randperm(64, generator=rng).split(16):
                loss = torch.nn.functional.mse_loss(self.model(self.x[idx]), self.y[idx])
                self.optimizer.zero_grad(); loss.backward(); self.optimizer.step(); total += loss.item()
            self.scheduler.step()
            return {"train_loss": total / 4}

        def validate(self, epoch):
            return {"val_loss": torch.nn.functional.mse_loss(self.model(self.x), self.y).item()}

    ckpt, out, kill_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = seed_everything(7)
    task = Toy()
    def on_epoch(epoch, record):
        if epoch == kill_at:
            os._exit(9)  # like SIGKILL: no cleanup, checkpoint of the previous epoch on disk
    result = fit(task, max_epochs=6, stopping=EarlyStopping("val_loss"), rng=rng, checkpoint=ckpt,
                 fingerprint="toy", select="last", on_epoch=on_epoch)
    torch.save({"model": task.model.state_dict(), "resumed_from": result.resumed_from}, out)
""")


def run_toy(tmp_path, checkpoint, out, kill_at=-1):
    script = tmp_path / "toy.py"
    script.write_text(TOY)
    return subprocess.run(
        [sys.executable, str(script), str(checkpoint), str(out), str(kill_at)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_killed_run_resumes_to_the_same_weights(tmp_path):
    assert run_toy(tmp_path, tmp_path / "a.ckpt", tmp_path / "a.pt").returncode == 0
    killed = run_toy(tmp_path, tmp_path / "b.ckpt", tmp_path / "b.pt", kill_at=3)
    assert killed.returncode == 9 and (tmp_path / "b.ckpt").exists() and not (tmp_path / "b.pt").exists()
    assert run_toy(tmp_path, tmp_path / "b.ckpt", tmp_path / "b.pt").returncode == 0
    full, resumed = torch.load(tmp_path / "a.pt"), torch.load(tmp_path / "b.pt")
    assert full["resumed_from"] is None and resumed["resumed_from"] == 3
    for name, tensor in full["model"].items():
        assert torch.equal(tensor, resumed["model"][name]), name
    assert not (tmp_path / "b.ckpt").exists()  # removed once training finished


class Scripted:
    """A task whose validation metric follows a script, to test selection and stopping."""

    def __init__(self, values, train_loss=1.0):
        self.model = torch.nn.Linear(1, 1)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.1)
        self.scheduler = None
        self.values, self.train_loss = values, train_loss

    def train_epoch(self, epoch, rng):
        with torch.no_grad():
            self.model.weight.fill_(epoch)  # the weight records the epoch it was left by
        return {"train_loss": self.train_loss}

    def validate(self, epoch):
        return {"val_acc": self.values[epoch]}


def test_best_validation_weights_are_selected_and_patience_stops(tmp_path):
    task = Scripted([0.1, 0.5, 0.4, 0.5, 0.45, 0.3, 0.9])
    result = fit(
        task,
        max_epochs=7,
        stopping=EarlyStopping("val_acc", mode="max", patience=3),
        rng=torch.Generator(),
        checkpoint=tmp_path / "c",
    )
    assert len(result.history) == 5 and result.stopped_early  # epochs 3, 4, 5 bring no strict improvement
    assert result.best_epoch == 1 and task.model.weight.item() == 1.0


def test_min_delta_counts_small_gains_as_no_improvement():
    rule = EarlyStopping("val_loss", patience=2, min_delta=0.01)
    assert rule.should_stop([1.0, 0.995, 0.991])
    assert not rule.should_stop([1.0, 0.98, 0.97])
    assert not EarlyStopping("val_loss").should_stop([1.0] * 50)


def test_last_weights_on_request(tmp_path):
    task = Scripted([0.9, 0.1, 0.2])
    fit(
        task,
        max_epochs=3,
        stopping=EarlyStopping("val_acc", mode="max"),
        rng=torch.Generator(),
        checkpoint=tmp_path / "c",
        select="last",
    )
    assert task.model.weight.item() == 2.0


def test_divergence_stops_with_a_clear_error(tmp_path):
    with pytest.raises(TrainingDivergedError, match=r"epoch 1 \(train\).*train_loss"):
        fit(
            Scripted([0.5], train_loss=math.nan),
            max_epochs=3,
            stopping=EarlyStopping("val_acc", mode="max"),
            rng=torch.Generator(),
            checkpoint=tmp_path / "c",
        )


def test_checkpoint_of_other_settings_is_not_resumed(tmp_path):
    def interrupt(epoch, record):
        if epoch == 1:
            raise InterruptedError  # after epoch 0's checkpoint was written

    with pytest.raises(InterruptedError):
        fit(
            Scripted([0.1, 0.2, 0.3]),
            max_epochs=3,
            stopping=EarlyStopping("val_acc", mode="max"),
            rng=torch.Generator(),
            checkpoint=tmp_path / "c",
            fingerprint="a",
            on_epoch=interrupt,
        )
    assert (tmp_path / "c").exists()
    result = fit(
        Scripted([0.1, 0.2, 0.3]),
        max_epochs=3,
        stopping=EarlyStopping("val_acc", mode="max"),
        rng=torch.Generator(),
        checkpoint=tmp_path / "c",
        fingerprint="b",
    )
    assert result.resumed_from is None and len(result.history) == 3


def test_mean_plateau_rule_of_wang_et_al():
    rule = MeanPlateauStopping("val_rmse", window=5, min_epochs=10)
    rising = [1.0 - 0.01 * i for i in range(10)] + [0.95] * 5
    assert not rule.should_stop(rising[:10])  # never before min_epochs
    assert rule.should_stop(rising)  # last five (0.95) no better than the five before (mean 0.93)
    assert not rule.should_stop([1.0 - 0.01 * i for i in range(15)])


def test_sparse_checkpoints_resume_from_the_last_one_written(tmp_path):
    def interrupt(epoch, record):
        if epoch == 3:
            raise InterruptedError  # before epoch 3's checkpoint would be written; epoch 1's is on disk

    values = [0.1, 0.2, 0.6, 0.3, 0.4, 0.5]
    with pytest.raises(InterruptedError):
        fit(
            Scripted(values),
            max_epochs=6,
            stopping=EarlyStopping("val_acc", mode="max"),
            rng=torch.Generator(),
            checkpoint=tmp_path / "c",
            on_epoch=interrupt,
            checkpoint_every=2,
        )
    assert torch.load(tmp_path / "c", weights_only=False)["epochs_done"] == 2
    task = Scripted(values)
    result = fit(
        task,
        max_epochs=6,
        stopping=EarlyStopping("val_acc", mode="max"),
        rng=torch.Generator(),
        checkpoint=tmp_path / "c",
        checkpoint_every=2,
    )
    assert result.resumed_from == 2 and len(result.history) == 6 and not (tmp_path / "c").exists()
    assert result.best_epoch == 2 and task.model.weight.item() == 2.0
    with pytest.raises(ValueError, match="checkpoint_every"):
        fit(
            task,
            max_epochs=1,
            stopping=EarlyStopping("val_acc"),
            rng=torch.Generator(),
            checkpoint=tmp_path / "c",
            checkpoint_every=0,
        )
