// A gitignore-style matcher for .funcignore (the subset Azure Functions Core Tools documents: globs, "dir/",
// a leading "/" anchoring at the root, "**", "!" negation). Used by scripts/package.mjs so the zip it builds
// leaves out what `func azure functionapp publish` would.

/** @param {string} glob */
function globToRegExpSource(glob) {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") {
      if (glob[i + 1] === "*") {
        // "**/" matches zero or more directories; a trailing "**" everything below.
        if (glob[i + 2] === "/") {
          out += "(?:.*/)?";
          i += 2;
        } else {
          out += ".*";
          i += 1;
        }
      } else {
        out += "[^/]*";
      }
    } else if (c === "?") {
      out += "[^/]";
    } else {
      out += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
  }
  return out;
}

/**
 * @param {string} text contents of a .funcignore / .gitignore file
 * @returns {(path: string, isDirectory: boolean) => boolean} true when `path` (relative, "/"-separated) is ignored
 */
export function createIgnoreMatcher(text) {
  const rules = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const negate = line.startsWith("!");
      let pattern = negate ? line.slice(1) : line;
      const directoryOnly = pattern.endsWith("/");
      if (directoryOnly) pattern = pattern.slice(0, -1);
      const anchored = pattern.startsWith("/") || pattern.includes("/");
      if (pattern.startsWith("/")) pattern = pattern.slice(1);
      const source = (anchored ? "^" : "^(?:.*/)?") + globToRegExpSource(pattern) + "$";
      return { negate, directoryOnly, regex: new RegExp(source) };
    });
  return (path, isDirectory) => {
    let ignored = false;
    for (const rule of rules) {
      if (rule.directoryOnly && !isDirectory) continue;
      if (rule.regex.test(path)) ignored = !rule.negate;
    }
    return ignored;
  };
}
