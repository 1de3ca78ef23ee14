// The seccomp filter every sandboxed process runs under (bwrap --seccomp):
// a classic BPF program, built here without libseccomp, that refuses the
// system calls a NextJS app, npm or a build never needs and that widen the
// kernel's attack surface (kernel keyrings, BPF, perf events, userfaultfd,
// io_uring, ptrace, mounts and namespaces, modules, kexec, clocks, ...).
// Everything else is allowed: the namespaces, capabilities and cgroups do
// the confining; the filter trims what the shared kernel exposes.
//
// A refused call fails with EPERM (ENOSYS for io_uring, so that libuv falls
// back to its thread pool). A call from another ABI than the build's (i386
// or x32 on x86_64) kills the process: those tables number calls
// differently and would bypass the list.
#ifndef SANDBOXD_LIB_LOCAL_SECCOMP_FILTER_H_
#define SANDBOXD_LIB_LOCAL_SECCOMP_FILTER_H_

#include <string>
#include <string_view>
#include <vector>

namespace sandboxd::local {

struct BlockedSyscall {
  std::string_view name;
  long number;
  int error;  // the errno the call fails with
};

// The refused calls of this build's architecture (those it defines).
const std::vector<BlockedSyscall>& BlockedSyscalls();

// The filter as bwrap --seccomp reads it: an array of struct sock_filter,
// in the host's byte order. Empty on an architecture sandboxd has no filter
// for (only x86_64 and aarch64 are supported).
std::string SeccompProgram();

}  // namespace sandboxd::local

#endif  // SANDBOXD_LIB_LOCAL_SECCOMP_FILTER_H_
