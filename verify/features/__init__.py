"""W2S on real feature matrices (issue 13): sweeps of linear probes, theory against measurement,
the offline digits demo and the authors' UTKFace runs."""
