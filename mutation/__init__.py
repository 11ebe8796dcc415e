"""`make mutate`: mutation testing of the code that keeps the README's promises (plan.toml)."""
