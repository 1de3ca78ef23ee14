#include "lib/local/seccomp_filter.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstddef>
#include <string>
#include <vector>

namespace sandboxd::local {
namespace {

#if defined(__x86_64__)
constexpr uint32_t kArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr uint32_t kArch = AUDIT_ARCH_AARCH64;
#else
constexpr uint32_t kArch = 0;  // no filter
#endif

#define SANDBOXD_BLOCK(name, error) {#name, __NR_##name, error},

std::vector<BlockedSyscall> MakeList() {
  std::vector<BlockedSyscall> list = {
  // Kernel keyrings, BPF, perf events, userfaultfd: frequent kernel
  // exploit primitives, never used by node, npm or a build.
#ifdef __NR_keyctl
      SANDBOXD_BLOCK(keyctl, EPERM)
#endif
#ifdef __NR_add_key
          SANDBOXD_BLOCK(add_key, EPERM)
#endif
#ifdef __NR_request_key
              SANDBOXD_BLOCK(request_key, EPERM)
#endif
#ifdef __NR_bpf
                  SANDBOXD_BLOCK(bpf, EPERM)
#endif
#ifdef __NR_perf_event_open
                      SANDBOXD_BLOCK(perf_event_open, EPERM)
#endif
#ifdef __NR_userfaultfd
                          SANDBOXD_BLOCK(userfaultfd, EPERM)
#endif
  // io_uring: ENOSYS, so that libuv uses its thread pool.
#ifdef __NR_io_uring_setup
                              SANDBOXD_BLOCK(io_uring_setup, ENOSYS)
#endif
#ifdef __NR_io_uring_enter
                                  SANDBOXD_BLOCK(io_uring_enter, ENOSYS)
#endif
#ifdef __NR_io_uring_register
                                      SANDBOXD_BLOCK(io_uring_register, ENOSYS)
#endif
  // Tracing and reading other processes' memory.
#ifdef __NR_ptrace
                                          SANDBOXD_BLOCK(ptrace, EPERM)
#endif
#ifdef __NR_process_vm_readv
                                              SANDBOXD_BLOCK(process_vm_readv,
                                                             EPERM)
#endif
#ifdef __NR_process_vm_writev
                                                  SANDBOXD_BLOCK(
                                                      process_vm_writev, EPERM)
#endif
  // Mounts and namespaces (bwrap has set them up before the filter
  // applies).
#ifdef __NR_mount
                                                      SANDBOXD_BLOCK(mount,
                                                                     EPERM)
#endif
#ifdef __NR_umount2
                                                          SANDBOXD_BLOCK(
                                                              umount2, EPERM)
#endif
#ifdef __NR_pivot_root
                                                              SANDBOXD_BLOCK(
                                                                  pivot_root,
                                                                  EPERM)
#endif
#ifdef __NR_chroot
                                                                  SANDBOXD_BLOCK(
                                                                      chroot,
                                                                      EPERM)
#endif
#ifdef __NR_unshare
                                                                      SANDBOXD_BLOCK(
                                                                          unshare,
                                                                          EPERM)
#endif
#ifdef __NR_setns
                                                                          SANDBOXD_BLOCK(
                                                                              setns,
                                                                              EPERM)
#endif
#ifdef __NR_open_tree
                                                                              SANDBOXD_BLOCK(
                                                                                  open_tree,
                                                                                  EPERM)
#endif
#ifdef __NR_move_mount
                                                                                  SANDBOXD_BLOCK(
                                                                                      move_mount,
                                                                                      EPERM)
#endif
#ifdef __NR_fsopen
                                                                                      SANDBOXD_BLOCK(
                                                                                          fsopen,
                                                                                          EPERM)
#endif
#ifdef __NR_fsconfig
                                                                                          SANDBOXD_BLOCK(
                                                                                              fsconfig,
                                                                                              EPERM)
#endif
#ifdef __NR_fsmount
                                                                                              SANDBOXD_BLOCK(
                                                                                                  fsmount,
                                                                                                  EPERM)
#endif
#ifdef __NR_fspick
                                                                                                  SANDBOXD_BLOCK(
                                                                                                      fspick,
                                                                                                      EPERM)
#endif
#ifdef __NR_mount_setattr
                                                                                                      SANDBOXD_BLOCK(
                                                                                                          mount_setattr,
                                                                                                          EPERM)
#endif
  // File handles bypass path lookup (the "shocker" container escape).
#ifdef __NR_open_by_handle_at
                                                                                                          SANDBOXD_BLOCK(
                                                                                                              open_by_handle_at,
                                                                                                              EPERM)
#endif
#ifdef __NR_name_to_handle_at
                                                                                                              SANDBOXD_BLOCK(
                                                                                                                  name_to_handle_at,
                                                                                                                  EPERM)
#endif
  // The machine itself: modules, kexec, reboot, swap, clocks, the kernel
  // log, accounting, quotas.
#ifdef __NR_init_module
                                                                                                                  SANDBOXD_BLOCK(
                                                                                                                      init_module,
                                                                                                                      EPERM)
#endif
#ifdef __NR_finit_module
                                                                                                                      SANDBOXD_BLOCK(
                                                                                                                          finit_module,
                                                                                                                          EPERM)
#endif
#ifdef __NR_delete_module
                                                                                                                          SANDBOXD_BLOCK(
                                                                                                                              delete_module,
                                                                                                                              EPERM)
#endif
#ifdef __NR_kexec_load
                                                                                                                              SANDBOXD_BLOCK(
                                                                                                                                  kexec_load,
                                                                                                                                  EPERM)
#endif
#ifdef __NR_kexec_file_load
                                                                                                                                  SANDBOXD_BLOCK(
                                                                                                                                      kexec_file_load,
                                                                                                                                      EPERM)
#endif
#ifdef __NR_reboot
                                                                                                                                      SANDBOXD_BLOCK(
                                                                                                                                          reboot,
                                                                                                                                          EPERM)
#endif
#ifdef __NR_swapon
                                                                                                                                          SANDBOXD_BLOCK(
                                                                                                                                              swapon,
                                                                                                                                              EPERM)
#endif
#ifdef __NR_swapoff
                                                                                                                                              SANDBOXD_BLOCK(swapoff,
                                                                                                                                                             EPERM)
#endif
#ifdef __NR_settimeofday
                                                                                                                                                  SANDBOXD_BLOCK(
                                                                                                                                                      settimeofday,
                                                                                                                                                      EPERM)
#endif
#ifdef __NR_clock_settime
                                                                                                                                                      SANDBOXD_BLOCK(
                                                                                                                                                          clock_settime,
                                                                                                                                                          EPERM)
#endif
#ifdef __NR_clock_adjtime
                                                                                                                                                          SANDBOXD_BLOCK(
                                                                                                                                                              clock_adjtime,
                                                                                                                                                              EPERM)
#endif
#ifdef __NR_adjtimex
                                                                                                                                                              SANDBOXD_BLOCK(
                                                                                                                                                                  adjtimex,
                                                                                                                                                                  EPERM)
#endif
#ifdef __NR_syslog
                                                                                                                                                                  SANDBOXD_BLOCK(
                                                                                                                                                                      syslog,
                                                                                                                                                                      EPERM)
#endif
#ifdef __NR_acct
                                                                                                                                                                      SANDBOXD_BLOCK(
                                                                                                                                                                          acct,
                                                                                                                                                                          EPERM)
#endif
#ifdef __NR_quotactl
                                                                                                                                                                          SANDBOXD_BLOCK(
                                                                                                                                                                              quotactl,
                                                                                                                                                                              EPERM)
#endif
#ifdef __NR_iopl
                                                                                                                                                                              SANDBOXD_BLOCK(iopl,
                                                                                                                                                                                             EPERM)
#endif
#ifdef __NR_ioperm
                                                                                                                                                                                  SANDBOXD_BLOCK(
                                                                                                                                                                                      ioperm,
                                                                                                                                                                                      EPERM)
#endif
  };
  return list;
}

#undef SANDBOXD_BLOCK

sock_filter Statement(uint16_t code, uint32_t k) {
  return sock_filter{code, 0, 0, k};
}

sock_filter Jump(uint16_t code, uint32_t k, uint8_t if_true, uint8_t if_false) {
  return sock_filter{code, if_true, if_false, k};
}

}  // namespace

const std::vector<BlockedSyscall>& BlockedSyscalls() {
  static const std::vector<BlockedSyscall>* const list =
      new std::vector<BlockedSyscall>(MakeList());
  return *list;
}

std::string SeccompProgram() {
  if (kArch == 0) return "";
  std::vector<sock_filter> program;
  // A call from another ABI is killed.
  program.push_back(
      Statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
  program.push_back(Jump(BPF_JMP | BPF_JEQ | BPF_K, kArch, 1, 0));
  program.push_back(Statement(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
  program.push_back(
      Statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
#if defined(__x86_64__)
  // x32 calls share the x86_64 table with this bit set.
  constexpr uint32_t kX32SyscallBit = 0x40000000;
  program.push_back(Jump(BPF_JMP | BPF_JGE | BPF_K, kX32SyscallBit, 0, 1));
  program.push_back(Statement(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
#endif
  for (const BlockedSyscall& call : BlockedSyscalls()) {
    program.push_back(Jump(BPF_JMP | BPF_JEQ | BPF_K,
                           static_cast<uint32_t>(call.number), 0, 1));
    program.push_back(
        Statement(BPF_RET | BPF_K,
                  SECCOMP_RET_ERRNO |
                      (static_cast<uint32_t>(call.error) & SECCOMP_RET_DATA)));
  }
  program.push_back(Statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  return std::string(reinterpret_cast<const char*>(program.data()),
                     program.size() * sizeof(sock_filter));
}

}  // namespace sandboxd::local
