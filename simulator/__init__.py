"""simulator: a deterministic VICIdial-family call center served over real HTTP."""
