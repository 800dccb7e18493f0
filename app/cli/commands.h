#pragma once
// gradlab-cli's subcommands. Each takes the arguments after its name and returns an exit code
// (0 success, 1 failure, 2 bad usage).
#include <string>
#include <vector>

namespace gradlab::cli {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);
};

int devicesCommand(const std::vector<std::string>& args);
int trainCommand(const std::vector<std::string>& args);
int probeCommand(const std::vector<std::string>& args);
int surfaceCommand(const std::vector<std::string>& args);
int receptiveFieldCommand(const std::vector<std::string>& args);
int gradcheckCommand(const std::vector<std::string>& args);
int landscapeCommand(const std::vector<std::string>& args);
int raceCommand(const std::vector<std::string>& args);
int compareCommand(const std::vector<std::string>& args);
int exportCommand(const std::vector<std::string>& args);

}  // namespace gradlab::cli
