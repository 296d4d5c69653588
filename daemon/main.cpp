#include "sys/log.hpp"

namespace scxd {
int cli_main(int argc, char **argv);
}

int main(int argc, char **argv)
{
    // Logs go to stderr (the journal under systemd); stdout carries only results.
    scxd::setup_logging();
    return scxd::cli_main(argc, argv);
}
