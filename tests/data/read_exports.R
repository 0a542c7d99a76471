# Reads a kg export folder the way DATA_DICTIONARY.md tells R users to, and prints what it
# read, one tab-separated record a line, for tests/test_research_files.py to compare.
# NetworkInference and netdiffuseR are not in Debian (and CRAN is out of reach), so their
# readers' steps are written out here from their documented formats: as_cascade_long and
# as_cascade_wide split the events by cascade and order each by time; edgelist_to_adjmat
# recodes the ids as a factor (sorted labels), keeps isolates (rows with an empty alter) and,
# undirected, sets both cells. igraph (r-cran-igraph) reads the GraphML itself.
args <- commandArgs(trailingOnly = TRUE)
d <- args[1]
out <- function(...) cat(paste(..., sep = "\t"), "\n", sep = "")
joined <- function(x) paste(x, collapse = ",")

casc <- read.csv(file.path(d, "cascades.csv"), fileEncoding = "UTF-8",
                 colClasses = c(node = "character", cascade = "character", time = "integer"))
for (g in split(casc, casc$cascade)) {
  o <- order(g$time, g$node)
  out("long", g$cascade[1], joined(g$node[o]), joined(g$time[o]))
}

m <- read.csv(file.path(d, "adoption_times.csv"), fileEncoding = "UTF-8", check.names = FALSE,
              colClasses = c(adcode = "character"))
out("nodes", joined(m$adcode))
for (id in colnames(m)[-1]) {
  t <- m[[id]]
  keep <- !is.na(t)
  o <- order(t[keep], m$adcode[keep])
  out("wide", id, joined(m$adcode[keep][o]), joined(t[keep][o]), class(t))
}

e <- read.csv(file.path(d, "netdiffuser_edges.csv"), colClasses = "character", na.strings = "")
labels <- levels(as.factor(c(e$ego, e$alter)))
adj <- matrix(0L, length(labels), length(labels), dimnames = list(labels, labels))
linked <- e[!is.na(e$alter), ]
adj[cbind(match(linked$ego, labels), match(linked$alter, labels))] <- 1L
adj[cbind(match(linked$alter, labels), match(linked$ego, labels))] <- 1L
out("vertices", joined(labels))
out("degree", joined(rowSums(adj)))

book <- read.csv(file.path(d, "codebook.csv"), fileEncoding = "UTF-8",
                 colClasses = c(id = "character", national_year = "integer"))
out("codebook", nrow(book), sum(book$n_adopters), joined(book$status[1:min(3, nrow(book))]))

if (requireNamespace("igraph", quietly = TRUE)) {
  g <- igraph::read_graph(file.path(d, "graph.graphml"), format = "graphml")
  kinds <- igraph::vertex_attr(g, "kind")
  out("graphml", igraph::vcount(g), igraph::ecount(g), sum(kinds == "region"),
      sum(kinds == "programme"))
}
