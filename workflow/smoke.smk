# smoke: rules are added with the experiment (see its issue).
