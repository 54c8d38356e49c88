#include <flashmm/error.hpp>
#include <flashmm/formula.hpp>
#include <flashmm/metadata_csv.hpp>

#include "support/expect.hpp"
#include "support/fixture.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace flashmm {
namespace {

using Kind = MetadataColumn::Kind;

// A file in a fresh temporary directory, removed with the fixture.
class MetadataCsv : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("flashmm_metadata_csv_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const auto path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  static std::string error_of(const std::string& path, const MetadataCsvOptions& opt = {}) {
    try {
      read_metadata_csv(path, opt);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  }
  std::filesystem::path dir_;
};

TEST_F(MetadataCsv, ReadsS1Fixture) {
  const Metadata md = read_metadata_csv(testing::data_path("s1_metadata.csv"));
  ASSERT_EQ(md.n_cells(), 4000);
  EXPECT_EQ(md.cell_ids[0], "Cell1");
  ASSERT_EQ(md.columns.size(), 6u);
  EXPECT_EQ(md.find("sam")->kind, Kind::string);
  // Quoted digits are numbers, as R's read.csv reads them (the fixtures' R session had them as
  // character: testing::s1_metadata() reads them as text).
  ASSERT_EQ(md.find("cls")->kind, Kind::numeric);
  EXPECT_EQ(md.find("cls")->numbers[0], 4);
  EXPECT_EQ(md.find("batch")->kind, Kind::string);
  EXPECT_EQ(md.find("libsize")->kind, Kind::numeric);
  EXPECT_EQ(md.find("libsize")->numbers[0], 91);
  EXPECT_EQ(md.find("age")->numbers[1], 40);
}

TEST_F(MetadataCsv, WithoutIdColumnRowNumbersAreIds) {
  MetadataCsvOptions opt;
  opt.has_id_column = false;
  const Metadata md = read_metadata_csv(testing::data_path("mm_metadata.csv"), opt);
  ASSERT_EQ(md.n_cells(), 40);
  EXPECT_EQ(md.cell_ids.front(), "1");
  EXPECT_EQ(md.cell_ids.back(), "40");
  EXPECT_EQ(md.columns.size(), 9u);
  EXPECT_EQ(md.find("cluster_name")->strings[3], "NK-like/2");
  EXPECT_DOUBLE_EQ(md.find("loglib")->numbers[0], 8.09529377684465);
}

TEST_F(MetadataCsv, TsvQuotesMissingAndBooleans) {
  const auto path = write("m.tsv",
                          "cell\tgroup\tscore\tflag\tnote\r\n"
                          "c1\tA\t1.5\tTRUE\t\"tab\there\"\r\n"
                          "c2\tNA\tNA\tfalse\t\"say \"\"hi\"\"\"\r\n"
                          "c3\tB\t\tFALSE\t\"two\nlines\"\r\n"
                          "c4\t\tnan\t\tplain\r\n");
  const Metadata md = read_metadata_csv(path);
  ASSERT_EQ(md.n_cells(), 4);
  EXPECT_EQ(md.cell_ids, (std::vector<std::string>{"c1", "c2", "c3", "c4"}));
  const auto* group = md.find("group");
  EXPECT_EQ(group->kind, Kind::string);
  EXPECT_FALSE(group->is_missing(0));
  EXPECT_TRUE(group->is_missing(1));
  EXPECT_TRUE(group->is_missing(3));
  const auto* score = md.find("score");
  EXPECT_EQ(score->kind, Kind::numeric);
  EXPECT_EQ(score->numbers[0], 1.5);
  EXPECT_TRUE(std::isnan(score->numbers[1]) && std::isnan(score->numbers[2]) && std::isnan(score->numbers[3]));
  const auto* flag = md.find("flag");
  EXPECT_EQ(flag->kind, Kind::boolean);
  EXPECT_EQ(flag->booleans[0], 1);
  EXPECT_EQ(flag->booleans[1], 0);
  EXPECT_TRUE(flag->is_missing(3));
  const auto* note = md.find("note");
  EXPECT_EQ(note->strings[0], "tab\there");
  EXPECT_EQ(note->strings[1], "say \"hi\"");
  EXPECT_EQ(note->strings[2], "two\nlines");
}

TEST_F(MetadataCsv, ColumnTypesFollowEachColumnsOwnValuesQuotedOrNot) {
  // R's read.csv: a column of numbers is numeric whether its fields are quoted or not, and
  // whatever the other columns hold (pandas QUOTE_ALL, R's write.csv, no quotes at all).
  const Metadata all = read_metadata_csv(write("all.csv", "\"id\",\"n\"\n\"a\",\"1\"\n\"b\",\"2\"\n"));
  EXPECT_EQ(all.find("n")->kind, Kind::numeric);
  const auto mixed = write("mixed.csv", "\"id\",\"cls\",\"n\"\n\"a\",\"1\",3\n\"b\",\"10\",4\n");
  EXPECT_EQ(read_metadata_csv(mixed).find("cls")->kind, Kind::numeric);
  // Dropping the unquoted column changes nothing (it used to turn cls from text into numbers).
  const auto alone = write("alone.csv", "\"id\",\"cls\"\n\"a\",\"1\"\n\"b\",\"10\"\n");
  EXPECT_EQ(read_metadata_csv(alone).find("cls")->kind, Kind::numeric);
  const auto unquoted = write("unquoted.csv", "id,cls,n\na,1,x\nb,10,y\n");
  EXPECT_EQ(read_metadata_csv(unquoted).find("cls")->kind, Kind::numeric);
  EXPECT_EQ(read_metadata_csv(unquoted).find("n")->kind, Kind::string);
  // colClasses = "character": digits read as text, levels then in byte order.
  MetadataCsvOptions opt;
  opt.text = {"cls"};
  const Metadata text = read_metadata_csv(mixed, opt);
  ASSERT_EQ(text.find("cls")->kind, Kind::string);
  EXPECT_EQ(text.find("cls")->strings, (std::vector<std::string>{"1", "10"}));
  EXPECT_EQ(text.find("n")->kind, Kind::numeric);
  opt.text = {"clss"};
  const std::string msg = error_of(mixed, opt);
  EXPECT_NE(msg.find("no column `clss` to read as text"), std::string::npos) << msg;
  EXPECT_NE(msg.find("`cls`"), std::string::npos) << msg;
}

TEST_F(MetadataCsv, ATextColumnSaysWhichValueIsNotANumber) {
  const auto p = write("age.csv", "id,age,sam\na,31,s1\nb,42,s2\nc,5O,s1\nd,NA,s2\n");
  const Metadata md = read_metadata_csv(p);
  const auto* age = md.find("age");
  ASSERT_EQ(age->kind, Kind::string);
  EXPECT_EQ(age->type_note, p + " line 4 holds `5O`, which is not a number");
  EXPECT_EQ(md.find("sam")->type_note, p + " line 2 holds `s1`, which is not a number");
  // A formula that needs the number names the file, the line and the value (issue 14.19).
  const std::string msg = testing::message_of<InputError>([&] { DesignBuilder(md, "~ log(age)", {"(1 | sam)"}); });
  EXPECT_NE(msg.find("`log()` needs a numeric column, but `age` is a string (categorical) column (" + p +
                     " line 4 holds `5O`, which is not a number)"),
            std::string::npos)
      << msg;
}

TEST_F(MetadataCsv, IdColumnByNameAndWriteTableHeader) {
  MetadataCsvOptions opt;
  opt.id_column = "barcode";
  const Metadata md = read_metadata_csv(write("m.csv", "x,barcode,y\n1,AAA,u\n2,CCC,v\n"), opt);
  EXPECT_EQ(md.cell_ids, (std::vector<std::string>{"AAA", "CCC"}));
  ASSERT_EQ(md.columns.size(), 2u);
  EXPECT_EQ(md.columns[0].name, "x");
  EXPECT_EQ(md.columns[1].name, "y");
  // R's write.table: no header field for the row names.
  const Metadata wt = read_metadata_csv(write("wt.txt", "a\tb\nr1\t1\tx\nr2\t2\ty\n"));
  EXPECT_EQ(wt.cell_ids, (std::vector<std::string>{"r1", "r2"}));
  EXPECT_EQ(wt.find("a")->kind, Kind::numeric);
  opt.id_column = "barcod";
  const std::string msg = error_of(write("m2.csv", "x,barcode,y\n1,AAA,u\n"), opt);
  EXPECT_NE(msg.find("no id column `barcod`"), std::string::npos) << msg;
  EXPECT_NE(msg.find("`barcode`"), std::string::npos) << msg;
}

TEST_F(MetadataCsv, DeclaredCategorical) {
  MetadataCsvOptions opt;
  opt.categorical = {"cls", "dose", "ok"};
  const Metadata md =
      read_metadata_csv(write("m.csv", "id,cls,dose,ok\na,s2,10,TRUE\nb,s10,2.50,FALSE\nc,s1,NA,TRUE\nd,s2,100000,NA\n"), opt);
  const auto* cls = md.find("cls");
  ASSERT_EQ(cls->kind, Kind::categorical);
  EXPECT_EQ(cls->levels, (std::vector<std::string>{"s1", "s10", "s2"}));  // byte order for text
  EXPECT_EQ(cls->codes, (std::vector<std::int32_t>{2, 1, 0, 2}));
  const auto* dose = md.find("dose");
  ASSERT_EQ(dose->kind, Kind::categorical);
  EXPECT_EQ(dose->levels, (std::vector<std::string>{"2.5", "10", "1e+05"}));  // by value, as R prints
  EXPECT_EQ(dose->codes, (std::vector<std::int32_t>{1, 0, -1, 2}));
  const auto* ok = md.find("ok");
  EXPECT_EQ(ok->levels, (std::vector<std::string>{"FALSE", "TRUE"}));
  EXPECT_EQ(ok->codes, (std::vector<std::int32_t>{1, 0, 1, -1}));
  opt.categorical = {"dos"};
  const std::string msg = error_of(write("m2.csv", "id,cls,dose\na,1,2\n"), opt);
  EXPECT_NE(msg.find("no column `dos`"), std::string::npos) << msg;
  EXPECT_NE(msg.find("`dose`"), std::string::npos) << msg;
}

TEST_F(MetadataCsv, ErrorsNameFileLineAndIds) {
  const auto dup = write("dup.csv", "id,x\nc1,1\nc2,2\nc1,3\nc2,4\nc3,5\n");
  std::string msg = error_of(dup);
  EXPECT_NE(msg.find(dup), std::string::npos) << msg;
  EXPECT_NE(msg.find("2 duplicated cell ids"), std::string::npos) << msg;
  EXPECT_NE(msg.find("`c1` (lines 2 and 4)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("`c2` (lines 3 and 5)"), std::string::npos) << msg;
  EXPECT_THROW(read_metadata_csv(dup), InputError);

  const auto ragged = write("ragged.csv", "id,x,y\nc1,1,2\nc2,1\n");
  msg = error_of(ragged);
  EXPECT_NE(msg.find(ragged + " line 3: 2 fields where the header has 3"), std::string::npos) << msg;
  EXPECT_THROW(read_metadata_csv(ragged), IoError);

  msg = error_of(write("open.csv", "id,x\nc1,\"abc\nc2,2\n"));
  EXPECT_NE(msg.find("line 2: a quoted field is not closed"), std::string::npos) << msg;

  msg = error_of((dir_ / "absent.csv").string());
  EXPECT_NE(msg.find("cannot open"), std::string::npos) << msg;
  msg = error_of(write("dupcol.csv", "id,x,x\nc1,1,2\n"));
  EXPECT_NE(msg.find("column `x` appears twice"), std::string::npos) << msg;
}

// Messages name the line and the likely cause (issue 14.19).
TEST_F(MetadataCsv, AnotherDelimiterIsNamed) {
  // A European-style CSV (';') and a tab-separated file named .csv: one header column holding
  // the other delimiter.
  std::string msg = error_of(write("semi.csv", "cell;sam;cls\nc1;A;1\nc2;B;2\n"));
  EXPECT_NE(msg.find("semi.csv line 1: the header is one column, `cell;sam;cls`, which holds ';'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("separated by ';', not ','"), std::string::npos) << msg;
  msg = error_of(write("tabs.csv", "cell\tsam\nc1\tA\n"));
  EXPECT_NE(msg.find("separated by a tab, not ','"), std::string::npos) << msg;
  msg = error_of(write("commas.tsv", "cell,sam\nc1,A\n"));
  EXPECT_NE(msg.find("separated by ',', not a tab"), std::string::npos) << msg;
  // Read with that delimiter, it is fine.
  MetadataCsvOptions opt;
  opt.delimiter = ';';
  const Metadata md = read_metadata_csv(write("semi2.csv", "cell;sam;cls\nc1;A;1\nc2;B;2\n"), opt);
  EXPECT_EQ(md.find("cls")->numbers, (std::vector<double>{1, 2}));
}

TEST_F(MetadataCsv, FieldCountErrorsSayWhy) {
  // An unterminated quote swallows the next lines into one field: said so, with its line, even
  // where a later quote pairs it up and the field count is right.
  std::string msg = error_of(write("quote.csv", "id,x,note\nc1,1,\"open\nc2,2,ok\nc3,3,\"x\"\n"));
  EXPECT_NE(msg.find("quote.csv line 2: the quoted field that opens on line 2 runs over 2 line breaks and holds "
                     "`c2,2,ok`, which looks like a line of its own, so a quote (\") is probably not closed there"),
            std::string::npos)
      << msg;
  msg = error_of(write("quote2.csv", "id,x,y\nc1,\"1,2\nc2,3,4\nc3,\"5\",6\n"));
  EXPECT_NE(msg.find("line 2: the quoted field that opens on line 2"), std::string::npos) << msg;
  // A field that really holds a line break is fine.
  EXPECT_EQ(read_metadata_csv(write("note.csv", "id,note\nc1,\"two\nlines\"\nc2,x\n")).find("note")->strings[0],
            "two\nlines");
  // A value holding the delimiter without quotes.
  msg = error_of(write("comma.csv", "id,x,name\nc1,1,B cells\nc2,2,T, NK\n"));
  EXPECT_NE(msg.find("line 3: 4 fields where the header has 3; a value that holds ',' must be quoted"), std::string::npos)
      << msg;
  msg = error_of(write("short.csv", "id,x,y\nc1,1\n"));
  EXPECT_NE(msg.find("line 2: 2 fields where the header has 3; every line needs one value per column"), std::string::npos)
      << msg;
}

}  // namespace
}  // namespace flashmm
