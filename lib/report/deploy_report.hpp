#pragma once
// Reports of one deploy attempt for CI: JUnit XML (a test case per gate) and a Markdown step
// summary (the candidate, the outcome, each gate with its figures). Reference: docs/deploy.md.
#include <ostream>

#include "deploy/deployer.hpp"

namespace llmops::report {

void write_deploy_junit(const deploy::DeployResult& result, std::ostream& out);
void write_deploy_markdown(const deploy::DeployResult& result, std::ostream& out);

} // namespace llmops::report
