"""The AuthKit session of a request: start, hot data, refresh, revocation, bearer and API keys."""
