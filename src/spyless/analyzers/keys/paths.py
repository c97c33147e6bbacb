"""What a key's location says about it: host key, trust store, or sample/documentation.

Precision rule: keys under documentation folders or in test folders of libraries (Python
``test/``, Perl ``t/``, ``testdata``, ``examples``...) and keys quoted in documentation files
are samples; they are still reported, but at low severity with a tag.
"""

from __future__ import annotations

import fnmatch
import posixpath

_HOST_KEY_NAMES = ("ssh_host_*key", "*host_key*", "*hostkey*")
_HOST_KEY_DIRS = ("/etc/dropbear/",)
_AUTHORIZED_NAMES = frozenset({"authorized_keys", "authorized_keys2"})

_TRUST_DIRS = ("/etc/ssl/certs/", "/usr/share/ca-certificates/", "/etc/pki/",
               "/usr/local/share/ca-certificates/", "/etc/ca-certificates/",
               "/usr/lib/ssl/certs/", "/system/etc/security/cacerts/")
_TRUST_NAMES = ("ca-certificates.crt", "ca-bundle*", "*ca-bundle.*", "cacert.pem",
                "cacerts.pem", "ca-root-nss.crt", "tls-ca-bundle.pem")

_DOC_DIRS = ("/usr/share/doc/", "/usr/share/man/", "/usr/share/info/",
             "/usr/share/gtk-doc/", "/usr/doc/", "/usr/local/share/doc/")
_TEST_PARTS = frozenset({"test", "tests", "testing", "testdata", "test-data", "test_data",
                         "t", "unittest", "unittests", "fixtures", "sample", "samples",
                         "example", "examples", "testsuite", "test-suite"})
_DOC_SUFFIXES = (".md", ".markdown", ".rst", ".adoc", ".html", ".htm", ".pod", ".tex",
                 ".texi", ".man")
_DOC_NAMES = ("readme*", "changelog*", "changes*", "news*", "install*", "howto*", "faq*")

TAG_TEST = "test-fixture"
TAG_DOC = "documentation"


def is_authorized_keys(fs_path: str) -> bool:
    return posixpath.basename(fs_path) in _AUTHORIZED_NAMES


def is_host_key_path(fs_path: str) -> bool:
    name = posixpath.basename(fs_path).lower()
    if name.endswith(".pub") or name in _AUTHORIZED_NAMES:
        return False
    return fs_path.startswith(_HOST_KEY_DIRS) or any(
        fnmatch.fnmatchcase(name, pattern) for pattern in _HOST_KEY_NAMES)


def is_trust_store(fs_path: str) -> bool:
    name = posixpath.basename(fs_path).lower()
    return fs_path.startswith(_TRUST_DIRS) or "/certifi/" in fs_path or any(
        fnmatch.fnmatchcase(name, pattern) for pattern in _TRUST_NAMES)


def sample_context(fs_path: str) -> str | None:
    """:data:`TAG_TEST` or :data:`TAG_DOC` when a key here is a sample, else None."""
    if fs_path.startswith(_DOC_DIRS):
        return TAG_DOC
    directories = fs_path.lower().split("/")[:-1]
    if any(part in _TEST_PARTS or part.startswith(("test_", "tests_")) or
           part.endswith(("_test", "_tests", "-tests")) for part in directories):
        return TAG_TEST
    name = posixpath.basename(fs_path).lower()
    if name.endswith(_DOC_SUFFIXES) or any(fnmatch.fnmatchcase(name, p) for p in _DOC_NAMES):
        return TAG_DOC
    return None
