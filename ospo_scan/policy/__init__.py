"""The policy stage: load a policy file and judge components' licenses against it."""
