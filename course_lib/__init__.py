"""course_lib: the reference implementation of the backpropagation course.

- ``autodiff``: a scalar Value engine, the chain rule made executable
- ``nn``: vectorised layers (``z = a @ W + b``), activations, losses, Sequential
- ``optim``: gradient-descent steps (SGD, Momentum)
- ``train``: the training loop and evaluation helpers
- ``augment``: random distortions of digit images (rotation, scaling, shift, elastic)
- ``recipe``: the digit classifier of ``course-lib train``, every piece switchable
- ``gradcheck``: finite-difference gradients and relative errors
- ``data``: the USPS digits, bundled
- ``visual``: plots and widgets used by the notebooks
"""

__version__ = "0.1.0"
