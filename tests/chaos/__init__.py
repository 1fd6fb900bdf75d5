"""Chaos tests: a shared store is cut under load and restored (README, Deployment, "When a store
fails"). `servers` has what they break, `load` the agents and the checks they all make."""
