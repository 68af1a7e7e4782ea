"""CDK app: stacks and constructs of callrecap."""
