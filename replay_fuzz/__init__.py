"""durable-fuzz: the replay fuzzer."""
