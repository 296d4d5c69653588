#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace scxd {
int cli_main(int argc, char **argv);
}

int main(int argc, char **argv)
{
    // Logs go to stderr; stdout carries only results (the summary line, tables).
    auto logger = spdlog::stderr_color_mt("scxd");
    logger->set_pattern("scxd: %^%l%$: %v");
    spdlog::set_default_logger(logger);
    return scxd::cli_main(argc, argv);
}
