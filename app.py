"""CDK entry point (placeholder until the deployment issue lands)."""
