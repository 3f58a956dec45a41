"""The durable outbox: messages to other parties (back-channel logout tokens, and later
pushed security events) written in the transaction that causes them, then delivered by
a worker on any node, at least once, with retries and backoff."""
