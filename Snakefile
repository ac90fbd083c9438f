# symrep: from raw data to every table and figure of the papers, beside the papers' own numbers.
#   snakemake --cores all                                # paper scale (uses a GPU when present)
#   snakemake --cores 2 --configfile config/quick.yaml   # one CPU machine, under an hour
#   snakemake --profile profiles/slurm                   # the same DAG on a SLURM cluster
from snakemake.utils import min_version

min_version("9.27")


configfile: "config/config.yaml"


include: "workflow/common.smk"
include: "workflow/data.smk"
include: "workflow/latent.smk"
include: "workflow/ddmnist.smk"
include: "workflow/medmnist3d.smk"
include: "workflow/smoke.smk"
include: "workflow/ensembles.smk"
include: "workflow/inpainting.smk"
include: "workflow/pendulum.smk"
include: "workflow/report.smk"
include: "workflow/reproduction.smk"


announce_cpu_budget()

check_datasets(
    needed(),
    config["data"],
    "resources/raw",
    generated=FIXTURE_FILES if FIXTURES else (),
)


report: "workflow/report/workflow.rst"


rule all:
    default_target: True
    input:
        all_targets,
