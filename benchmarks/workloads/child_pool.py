"""A spawn pool of 4 workers running 4,000 small tasks (1,000 per worker)."""

import multiprocessing


def task(n):
    return n * n


if __name__ == "__main__":
    multiprocessing.set_start_method("spawn")
    with multiprocessing.Pool(4) as pool:
        total = sum(pool.map(task, range(4000), chunksize=1))
    print(total)
