package finlake.localfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Hadoop's local file system, setting permissions through Java NIO instead of forking `chmod`.
 *
 * Without the native libhadoop (PySpark does not ship it), RawLocalFileSystem runs a `chmod` process for
 * every file and directory it creates: ~10 ms each, most of the cost of writing a partitioned table
 * locally. Local runs only: on Glue the lake is S3, which has no permissions to set.
 */
public class NioPermissionsLocalFileSystem extends RawLocalFileSystem {
  @Override
  public void setPermission(Path p, FsPermission permission) throws IOException {
    Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
    short mode = permission.toShort();
    PosixFilePermission[] bits = {
      PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
    };
    for (int i = 0; i < bits.length; i++) {
      if ((mode & (1 << i)) != 0) perms.add(bits[i]);
    }
    Files.setPosixFilePermissions(pathToFile(p).toPath(), perms);
  }
}
