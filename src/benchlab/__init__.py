"""benchlab: fine-tune and benchmark small models with honest statistics."""

from benchlab.errors import BenchlabError

__all__ = ["BenchlabError", "__version__"]
__version__ = "0.1.0"
