// MatrixReader's default seek: for readers that cannot jump to a cell (a CSC matrix, a text file
// streamed in order), the cells before it are read and dropped.
#include <flashmm/io/matrix_reader.hpp>

#include <algorithm>
#include <string>

namespace flashmm::io {

void MatrixReader::seek(Index first_cell) {
  if (first_cell < 0 || first_cell > n_cells())
    throw InputError("MatrixReader::seek: cell " + std::to_string(first_cell + 1) + " is not within the " +
                     std::to_string(n_cells()) + " cells of " + path());
  rewind();
  CellChunk chunk;
  for (Index at = 0; at < first_cell && next_chunk(chunk, std::min<Index>(first_cell - at, 20000));) at += chunk.n_cells;
}

}  // namespace flashmm::io
