"""Background jobs: one enqueue(), RQ on Redis when REDIS_URL is set, in-process right after commit otherwise."""
