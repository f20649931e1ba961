from . import test_estimates
