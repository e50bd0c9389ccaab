// What shop-load's socket loop calls that Glibc's Swift module leaves out: epoll, eventfd, TCP options,
// and reads that carry the kernel's receive timestamp (the CMSG_* macros do not import into Swift).
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netdb.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/// Asks the kernel to stamp what `fd` receives (SO_TIMESTAMPNS): 0 on success.
static inline int shim_stamp_receipts(int fd) {
    int on = 1;
    return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
}

/// Reads like read(2); `*stamp` becomes the CLOCK_REALTIME nanoseconds at which the last of the bytes read
/// reached the socket, or 0 when the kernel gave no stamp.
static inline ssize_t shim_read_stamped(int fd, void *buffer, size_t length, int64_t *stamp) {
    union { char bytes[CMSG_SPACE(sizeof(struct timespec))]; struct cmsghdr align; } control;
    struct iovec part = { .iov_base = buffer, .iov_len = length };
    struct msghdr message = { .msg_iov = &part, .msg_iovlen = 1, .msg_control = control.bytes, .msg_controllen = sizeof control.bytes };
    ssize_t count = recvmsg(fd, &message, 0);
    *stamp = 0;
    if (count <= 0) return count;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec time;
            memcpy(&time, CMSG_DATA(header), sizeof time);
            *stamp = (int64_t)time.tv_sec * 1000000000 + time.tv_nsec;
        }
    }
    return count;
}

/// CLOCK_REALTIME in nanoseconds, the clock receive stamps are on.
static inline int64_t shim_realtime_nanoseconds(void) {
    struct timespec time;
    clock_gettime(CLOCK_REALTIME, &time);
    return (int64_t)time.tv_sec * 1000000000 + time.tv_nsec;
}
