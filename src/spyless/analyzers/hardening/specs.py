"""The hardening finding ids (SPY701-SPY709), one folded finding per protection per image."""

from __future__ import annotations

from spyless.model.findings import FindingSpec, Severity

_CHECKSEC = "https://www.trapkit.de/tools/checksec/"
_HARDENING = "https://wiki.debian.org/Hardening"

SPY701 = FindingSpec(
    "SPY701", "Executable stack (no NX)", Severity.MEDIUM, 693,
    "Binaries whose stack is executable: PT_GNU_STACK carries PF_X, or is missing, in which "
    "case kernels and loaders default to an executable stack. A stack overflow then runs "
    "injected code directly. On MIPS, kernels before Linux 4.8 keep every stack executable.",
    "Build with a toolchain that marks the stack non-executable (-Wl,-z,noexecstack; on MIPS "
    "GCC 11 / glibc 2.31 or later with a 4.8+ kernel) and check with readelf -lW.",
    (_HARDENING, "https://www.kernel.org/doc/html/latest/userspace-api/ELF.html"),
)
SPY702 = FindingSpec(
    "SPY702", "Executables built without PIE", Severity.LOW, 693,
    "Executables of type ET_EXEC load at a fixed address, so address space layout "
    "randomisation does not move their code and gadgets are at known addresses.",
    "Compile with -fPIE and link with -pie.",
    (_HARDENING, _CHECKSEC),
)
SPY703 = FindingSpec(
    "SPY703", "Binaries without RELRO", Severity.LOW, 693,
    "No PT_GNU_RELRO segment: relocation tables and the GOT stay writable for the whole "
    "run, a classic target for overwriting function pointers.",
    "Link with -Wl,-z,relro,-z,now (full RELRO).",
    (_HARDENING, _CHECKSEC),
)
SPY704 = FindingSpec(
    "SPY704", "Binaries without stack canary", Severity.LOW, 693,
    "No reference to the stack-protector handler (__stack_chk_fail and its uClibc and "
    "ProPolice variants): stack buffer overflows are not detected before a function "
    "returns. A binary without any array on its stack also has none, hence medium "
    "confidence.",
    "Compile with -fstack-protector-strong.",
    (_HARDENING, _CHECKSEC),
)
SPY705 = FindingSpec(
    "SPY705", "Unsafe C library functions imported", Severity.LOW, 676,
    "Binaries import functions that cannot bound what they write (gets, strcpy, sprintf, "
    "the scanf family with %s), run a shell (system, popen) or create predictable "
    "temporary names (tmpnam, mktemp). Each is a common source of overflows and command "
    "injection; gets or system in a network-facing program raises the severity.",
    "Replace them with bounded variants (snprintf, strlcpy or memcpy with checked lengths, "
    "fgets) and run programs with execve and an argument list instead of a shell.",
    ("https://cwe.mitre.org/data/definitions/676.html",
     "https://cwe.mitre.org/data/definitions/242.html"),
)
SPY706 = FindingSpec(
    "SPY706", "RPATH/RUNPATH points to a writable or relative location", Severity.MEDIUM, 426,
    "A library search path inside the binary names a folder that is writable at run time "
    "(/tmp, /var, /mnt, overlays, USB media) or is relative to the current directory, so "
    "whoever can write there chooses the code the program loads.",
    "Remove the RPATH/RUNPATH or point it at read-only system folders ($ORIGIN is fine).",
    ("https://cwe.mitre.org/data/definitions/426.html",),
)
SPY707 = FindingSpec(
    "SPY707", "Segments both writable and executable", Severity.MEDIUM, 693,
    "A PT_LOAD segment is mapped writable and executable at once, so data written into it "
    "can be executed: NX gives no protection for that memory.",
    "Link with a current linker (separate code and data segments, -z separate-code); do not "
    "merge .text and .data in linker scripts.",
    (_CHECKSEC,),
)
SPY708 = FindingSpec(
    "SPY708", "Binaries without FORTIFY_SOURCE", Severity.INFO, 693,
    "No fortified (__*_chk) C library calls are imported: the build did not use "
    "-D_FORTIFY_SOURCE, or the binary has no call that fortification applies to.",
    "Compile with -O2 -D_FORTIFY_SOURCE=2 (or 3).",
    (_HARDENING,),
)

SPY709 = FindingSpec(
    "SPY709", "Binary hardening summary", Severity.INFO, None,
    "How many of the image's ELF executables and libraries have each protection (NX, PIE, "
    "RELRO, stack canary, FORTIFY), how many are stripped, carry RWX segments, library "
    "search paths or unsafe imports. Always reported when the image has ELF binaries.",
    "Use it to compare releases; each missing protection has its own finding.",
    (_HARDENING,),
)

ALL_SPECS = (SPY701, SPY702, SPY703, SPY704, SPY705, SPY706, SPY707, SPY708, SPY709)
