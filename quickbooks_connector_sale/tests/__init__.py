from . import test_estimates, test_estimates_books
