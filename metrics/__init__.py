"""This worker's figures in the Prometheus format: what is recorded (record.py) and GET /metrics
(endpoint.py). Below every app: chat and llm record into it, it imports none of them."""
