"""The experiment layer: running scenarios and replications, storing and plotting results."""
