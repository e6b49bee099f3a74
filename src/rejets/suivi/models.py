"""Follow-up: the stored worklist and what the daily deadline run keeps up to date."""
