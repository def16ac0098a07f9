"""The analyst's tools over batch results: synthetic populations, summaries and targets,
reforms and their comparison, figures."""
