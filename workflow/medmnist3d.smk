# medmnist3d: rules are added with the experiment (see its issue).
