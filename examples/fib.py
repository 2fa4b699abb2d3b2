"""A small recursive Fibonacci program to try ``dapper debug`` on."""


def fib(n):
    """The n-th Fibonacci number, computed the slow, recursive way."""
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


if __name__ == "__main__":
    for i in range(6):
        print(f"fib({i}) = {fib(i)}")
