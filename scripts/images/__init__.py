"""Building blocks of ``scripts/build_images.py``: Debian binaries, root trees, image formats.

Nothing here is part of the installed ``spyless`` package; it makes test images only.
"""
