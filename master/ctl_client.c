/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * hcctl's side of the control socket (see control.c).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "hcd.h"
#include "master.h"

int
ctl_request(const char *path, const char *cmd, struct buf *reply)
{
	struct sockaddr_un	 sun;
	char			 tmp[4096];
	ssize_t			 n;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (hc_strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	if (write(fd, cmd, strlen(cmd)) == -1 || write(fd, "\n", 1) == -1) {
		close(fd);
		return -1;
	}
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		buf_add(reply, tmp, (size_t)n);
	close(fd);
	return n == -1 ? -1 : 0;
}
