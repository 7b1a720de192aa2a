#pragma once
// Every place in store.db that names an object. gc keeps what these name; fsck checks that
// each named object exists. A domain that stores object hashes registers its query here.
#include "store/database.hpp"

#include <string>
#include <vector>

namespace llmops::store {

struct ObjectReference {
    std::string hash_hex;
    std::string owner; // a human-readable name of the referrer, e.g. "dataset qa@2 chunk 7"
};

std::vector<ObjectReference> list_object_references(Database& db);

} // namespace llmops::store
