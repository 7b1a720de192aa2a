#include "serve/replica_slot.hpp"

#include "core/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/file.h>

namespace llmops::serve {

namespace {
// Advisory lock keys of the slots; the store's write lock (database_postgres.cpp) is outside.
constexpr long long kSlotLockBase = 0x6c6c6d6f0000;

[[noreturn]] void all_taken(const store::DatabaseAddress& database) {
    throw Error(ErrorKind::Store,
                std::to_string(kReplicaSlots) + " gateways already serve from this store",
                ErrorLocation{.file = database.display()}, "stop one, or give the others a store");
}
} // namespace

ReplicaSlot ReplicaSlot::claim(const store::DatabaseAddress& database) {
    if (database.is_postgres()) {
        auto connection = std::make_shared<store::Database>(store::Database::open(database, false));
        store::Statement try_lock = connection->prepare("SELECT pg_try_advisory_lock(?1)");
        for (int slot = 0; slot < kReplicaSlots; ++slot) {
            try_lock.bind(1, kSlotLockBase + slot);
            bool taken = try_lock.step() && try_lock.column_int(0) == 1;
            try_lock.reset();
            if (taken) return ReplicaSlot(slot, connection, {});
        }
        all_taken(database);
    }
    auto dir = database.file.parent_path();
    for (int slot = 0; slot < kReplicaSlots; ++slot) {
        auto path = dir / ("replica-" + std::to_string(slot) + ".lock");
        FileDescriptor fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
        if (!fd.valid())
            throw Error(ErrorKind::Store,
                        std::string("cannot open a replica lock: ") + std::strerror(errno),
                        ErrorLocation{.file = path.string()});
        if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0)
            return ReplicaSlot(slot, nullptr, std::move(fd));
    }
    all_taken(database);
}

} // namespace llmops::serve
