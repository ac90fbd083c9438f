"""Ensembles under data augmentation: Nordenfors & Flinth (MNIST) and Gerken & Kessel (rotated Fashion-MNIST)."""
