// What shop-load's socket loop calls that Glibc's Swift module leaves out: epoll, eventfd and TCP options.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netdb.h>
