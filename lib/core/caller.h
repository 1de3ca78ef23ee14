// Who is calling: the identity lib/core checks ownership against. Built by
// server/ from the request's credentials (lib/auth) and passed to every
// SandboxManager call.
#ifndef SANDBOXD_LIB_CORE_CALLER_H_
#define SANDBOXD_LIB_CORE_CALLER_H_

#include <string>

namespace sandboxd {

struct Caller {
  std::string owner;   // the token's subject; owns what it creates
  bool admin = false;  // sees and manages every owner's sandboxes
};

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_CORE_CALLER_H_
