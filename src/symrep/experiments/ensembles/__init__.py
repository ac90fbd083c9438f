"""Ensembles under data augmentation: Nordenfors & Flinth (MNIST), Gerken & Kessel (rotated Fashion-MNIST)."""
