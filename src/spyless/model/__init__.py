"""The vocabulary shared by analyzers, reports and the agreement: facts and findings."""
