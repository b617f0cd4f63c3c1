"""Poverty measures: monetary (FGT), inequality, multidimensional (MPI) and the registry profile."""
