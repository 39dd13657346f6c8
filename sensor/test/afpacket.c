/* Opens an AF_PACKET socket (what a sniffer does), says whether it worked, and
 * exits 0 on success. Static, so that it runs inside a busybox container. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ETH_P_ALL 0x0003

int main(void)
{
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0) {
		printf("afpacket: socket(AF_PACKET, SOCK_RAW): %s\n", strerror(errno));
		return 1;
	}
	printf("afpacket: socket(AF_PACKET, SOCK_RAW) = %d\n", fd);
	close(fd);
	return 0;
}
