#include "lib/http/handler.h"

namespace sandboxd {

ConnectionSlot::ConnectionSlot(std::shared_ptr<std::atomic<int>> counter)
    : counter_(std::move(counter)) {
  if (counter_ != nullptr) counter_->fetch_add(1);
}

ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& other) noexcept {
  if (this != &other) {
    if (counter_ != nullptr) counter_->fetch_sub(1);
    counter_ = std::move(other.counter_);
  }
  return *this;
}

ConnectionSlot::~ConnectionSlot() {
  if (counter_ != nullptr) counter_->fetch_sub(1);
}

}  // namespace sandboxd
