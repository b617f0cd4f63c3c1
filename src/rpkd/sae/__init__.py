"""Small-area estimation: Fay–Herriot EBLUP, benchmarking, variance smoothing, unit-level EBP."""
