const mods = process.argv.slice(2);
const m = () => { global.gc && global.gc(); const u = process.memoryUsage(); return `rss=${(u.rss/1048576).toFixed(1)} heap=${(u.heapUsed/1048576).toFixed(1)} ext=${(u.external/1048576).toFixed(1)}`; };
console.log("start", m());
for (const x of mods) { const t=Date.now(); require(x); console.log(x, Date.now()-t, "ms", m()); }
