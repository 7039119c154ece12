// The file systems the FTP server serves from: the contract, the virtual-path helpers, a
// rooted host directory and a RAM disk.
export * from "./types.js";
export { baseName, compareNames, dirName, joinPath, resolvePath } from "./path.js";
export { NodeFileSystem, type NodeFileSystemOptions } from "./node.js";
export { MemoryFileSystem, type MemoryFileSystemOptions, type MemoryTree } from "./memory.js";
