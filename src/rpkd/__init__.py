"""rpkd: plan, target and monitor district poverty reduction."""
