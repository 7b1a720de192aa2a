#pragma once
// Gateways that share one store (replicas behind a load balancer) each hold a replica slot,
// 0..255, for as long as they run: request ids carry it (new_request_id), so two replicas
// never make the same id even within one millisecond. On PostgreSQL a slot is a session
// advisory lock of the gateway's own connection; on SQLite, an flock on .llmops/replica-N.lock.
// Either is released by the server or the kernel when the gateway exits, however it exits.
#include "core/file_io.hpp"
#include "store/database.hpp"

#include <memory>
#include <optional>

namespace llmops::serve {

constexpr int kReplicaSlots = 256;

class ReplicaSlot {
  public:
    // Claims the lowest free slot; Error(Store) when all are held.
    static ReplicaSlot claim(const store::DatabaseAddress& database);
    int number() const { return number_; }

  private:
    ReplicaSlot(int number, std::shared_ptr<store::Database> connection, FileDescriptor lock)
        : number_(number), connection_(std::move(connection)), lock_(std::move(lock)) {}
    int number_;
    std::shared_ptr<store::Database> connection_; // PostgreSQL: holds the advisory lock
    FileDescriptor lock_;                         // SQLite: holds the flock
};

} // namespace llmops::serve
