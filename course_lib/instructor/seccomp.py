"""The seccomp filter the grader's sandbox runs learners' code under.

The address-space limit (RLIMIT_AS) bounds the memory a learner's process *maps*; memory it
holds without mapping it does not count. ``memfd_create`` gives exactly that: a file in
memory that ``write`` fills, page by page, with nothing mapped (one sandbox held 3 GB of the
host's memory that way with ``--memory-mb 512``); ``memfd_secret`` and System V shared
memory (``shmget``, in the sandbox's own IPC namespace but still the host's memory) are the
same kind. The sandbox's writable folders are already small tmpfs mounts, so these calls
are the way around the limit. This filter makes them fail with EPERM; every other system
call is allowed.

The filter is a classic BPF program (seccomp(2), ``SECCOMP_SET_MODE_FILTER``) that bubblewrap
installs with ``--seccomp FD``: it checks the architecture the call was made with (a call of
another ABI, such as x86's 32-bit ``int 0x80`` or x32, fails too), then the call's number.
Only x86_64 and aarch64 are known here; elsewhere :func:`filter_program` returns None and
the grader runs without the filter (``course-lib doctor`` says so).
"""

from __future__ import annotations

import platform
import struct

# struct seccomp_data: int nr at offset 0, __u32 arch at offset 4
_NR, _ARCH = 0, 4
# the classic BPF opcodes used (linux/filter.h)
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS: load the 32-bit word at k
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K: if A == k jump jt else jf
_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K: if A >= k jump jt else jf
_RET_K = 0x06  # BPF_RET | BPF_K: return k
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
EPERM = 1

# (audit arch, the calls denied by number, the first number of another ABI or None)
# numbers from the kernel's syscall tables: arch/x86/entry/syscalls/syscall_64.tbl and
# include/uapi/asm-generic/unistd.h (aarch64)
ARCHES = {
    "x86_64": (0xC000003E, {"memfd_create": 319, "memfd_secret": 447, "shmget": 29}, 0x40000000),
    "aarch64": (0xC00000B7, {"memfd_create": 279, "memfd_secret": 447, "shmget": 194}, None),
}
DENIED = ("memfd_create", "memfd_secret", "shmget")


def _op(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)  # struct sock_filter


def filter_program(machine: str | None = None) -> bytes | None:
    """The filter for this machine's architecture (``platform.machine()``), as the bytes
    bubblewrap reads; None where the architecture is not known here."""
    known = ARCHES.get(machine or platform.machine())
    if known is None:
        return None
    arch, numbers, other_abi = known
    deny = SECCOMP_RET_ERRNO | EPERM
    body = [_op(_LD_W_ABS, 0, 0, _NR)]
    if other_abi is not None:  # x32 calls carry this bit: refuse them all
        body.append(_op(_JGE_K, 0, 1, other_abi))
        body.append(_op(_RET_K, 0, 0, deny))
    for name in DENIED:  # if nr == k: fall through to the deny below, else skip it
        body.append(_op(_JEQ_K, 0, 1, numbers[name]))
        body.append(_op(_RET_K, 0, 0, deny))
    body.append(_op(_RET_K, 0, 0, SECCOMP_RET_ALLOW))
    head = [
        _op(_LD_W_ABS, 0, 0, _ARCH),
        _op(_JEQ_K, 1, 0, arch),  # our ABI: skip the next instruction
        _op(_RET_K, 0, 0, deny),
    ]
    return b"".join(head + body)
